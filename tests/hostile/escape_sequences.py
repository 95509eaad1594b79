"""Hostile: an exception message full of HTML/JS and terminal escapes (expect: carried as text)."""

MESSAGE = '<script>alert("pwned")</script> \x1b[2J\x1b[31mPASSED\x1b[0m \x07 ]]></x> & "quotes"'


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    raise ValueError(MESSAGE)
