"""Plumbing every page shares. A package, not a ``pages/*.py`` file, so Streamlit's
legacy page discovery never lists it as a page.

``state``: widget values kept across pages and errors; ``storage``: the private work
folder (uploads, annotated clips); ``analyses``: the cached analysis every page reads;
``widgets``: media picker, pictures, downloads, safe callbacks; ``library``: the
reference library's panel.
"""
