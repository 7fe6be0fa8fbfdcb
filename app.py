"""Compression Explorer: the home page (placeholder until the explorer UI lands)."""

import streamlit as st

st.set_page_config(page_title="Compression Explorer", layout="wide")
st.title("Compression Explorer")
st.write("Train a small MNIST network, then binarize and prune it and watch accuracy and size.")
