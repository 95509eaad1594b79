"""Diagnosis: from a failing run to named mistakes with evidence and a fix."""
