"""What the Python end-to-end tests share (the shell ones source scripts/lib/loopback.sh)."""
import socket


def free_port():
    """A free TCP port on loopback."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
