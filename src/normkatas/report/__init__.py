"""The result models: data every renderer reads.

The Result, the class summary, the check report, the disclosure policy.
"""
