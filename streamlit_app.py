"""Cluster Policy Assistant in the browser: ``streamlit run streamlit_app.py`` (or ``make run``)."""

from assistant.ui.app import main

main()
