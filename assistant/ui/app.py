"""The app shell: page set-up, first-start index build, sidebar status, navigation."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from assistant.ui import resources
from assistant.ui.cards import inject_css
from assistant.ui.status import ensure_index, render_sidebar

PAGES = Path(__file__).resolve().parent / "pages"

PAGE_LIST = (
    ("ask", "Ask", ":material/forum:"),
    ("recommend", "Recommend", ":material/route:"),
    ("learn", "Learn", ":material/school:"),
    ("library", "Library", ":material/library_books:"),
)


def navigation() -> StreamlitPage:
    pages = [
        st.Page(PAGES / f"{name}.py", title=title, icon=icon, default=name == "ask")
        for name, title, icon in PAGE_LIST
    ]
    return st.navigation(pages, position="top")


def main() -> None:
    """Run one page of the app."""
    st.set_page_config(
        page_title="Cluster Policy Assistant",
        # an emoji is drawn in place; a Material icon favicon is fetched from fonts.gstatic.com
        page_icon="🕸️",
        layout="wide",
        initial_sidebar_state="expanded",
    )
    inject_css()
    settings = resources.current_settings()
    page = navigation()
    with st.sidebar:
        st.markdown("### :material/hub: Cluster Policy Assistant")
        st.caption("Evidence-based answers and roadmaps for cluster policy, from the literature.")
    ensure_index(settings)
    render_sidebar(settings)
    page.run()
