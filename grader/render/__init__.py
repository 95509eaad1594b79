"""Renderers: every output format is a view of `grader.result.Result`."""
