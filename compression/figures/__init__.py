"""Plotly figure builders: numbers in, figures out. No torch, no Streamlit."""
