"""The result models: data every renderer reads (the Result, the class summary, the check report, the disclosure policy)."""
