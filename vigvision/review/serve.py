"""Start Streamlit for the review app without it ever reaching past this machine.

Streamlit's WebSocket origin check, given a page from an origin it does not know, asks the network
for this machine's addresses: a UDP "connect" to 8.8.8.8 for the internal one and an HTTP request to
checkip.amazonaws.com for the external one. The app serves on 127.0.0.1 and has no use for either:
both are answered with the loopback address before the server starts, so nothing is looked up.

    python -m vigvision.review.serve run app.py --server.address 127.0.0.1 ...   (as ``streamlit run``)
"""
from __future__ import annotations

import sys


def no_lookups() -> None:
    """Answer Streamlit's address look-ups with the loopback address (no socket is opened)."""
    from streamlit import net_util

    net_util._internal_ip = "127.0.0.1"
    net_util._external_ip = "127.0.0.1"
    net_util.get_internal_ip = lambda: "127.0.0.1"
    net_util.get_external_ip = lambda: "127.0.0.1"


def main(argv: list[str] | None = None) -> None:
    no_lookups()
    from streamlit.web import cli

    sys.argv = ["streamlit", *(sys.argv[1:] if argv is None else argv)]
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
