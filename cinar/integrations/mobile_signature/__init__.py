"""Mobile signature (mobil imza): protocol and sandbox. See protocol.py."""
