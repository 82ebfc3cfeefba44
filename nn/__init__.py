"""nn: a tiny neural-net library on top of autograd."""
