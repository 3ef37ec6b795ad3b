"""The review app's source (``app.py``, a Streamlit script), shipped inside the package as ``vigvision.app``
so that ``vigvision app`` finds it wherever vigvision is installed. It is run by Streamlit, never imported."""
