"""Running untrusted student code in another process, with limits."""
