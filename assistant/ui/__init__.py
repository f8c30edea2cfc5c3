"""The Streamlit app's pages and widgets (entry point: ``streamlit_app.py``)."""
