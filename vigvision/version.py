"""The version of vigvision (one place: the package, the CLI and every file it writes read it here)."""
__version__ = "0.1.0"
