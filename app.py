"""Compression Explorer: ``streamlit run app.py``. Sets the page up and hands over to a page.

The home page is ``home.py``; the others are the numbered files in ``pages/``.
"""

import streamlit as st

from ui.navigation import HOME, icon_for, page_files

st.set_page_config(page_title="Compression Explorer", page_icon="🗜️", layout="wide")
home = st.Page(HOME, title="Home", icon=icon_for("Home"), default=True)
pages = [st.Page(path, title=title, icon=icon_for(title)) for path, title in page_files()]
st.navigation([home, *pages]).run()
