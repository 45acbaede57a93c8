"""Widget values that survive page switches and page errors.

Streamlit forgets a widget's value when a run does not draw that widget: after a switch
to another page, or when a page stops early with an error. Every widget whose value the
user would miss is declared with :func:`keep`; :func:`sync`, called at the top of every
run by ``app.py``, copies those values into a store of its own and puts back any value
Streamlit dropped. :func:`keep` also records the value on a fragment's rerun (where
``sync`` does not run), and sets a put-back value once more when its widget is drawn
again: the browser shows a re-created widget's default unless the run sends the value.
One mechanism for every page, so no page can reset another's choices or the sidebar
settings.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

_STORE = "_kept_values"
_RESTORED = "_restored_keys"  # kept values put back since their widget was last drawn


def keep(key: str, default: Any) -> str:
    """Declare widget ``key`` as kept, with its first value; returns ``key``.

    Draw the widget with ``key=keep(key, default)`` and without a ``value``/``default``
    argument: the value comes from session state.
    """
    store: dict[str, Any] = st.session_state.setdefault(_STORE, {})
    restored: set[str] = st.session_state.setdefault(_RESTORED, set())
    if key not in st.session_state:
        st.session_state[key] = store.get(key, default)
    elif key in restored:
        # Put back while its widget was not drawn (on another page): set it once more, so
        # the widget drawn now sends it to the browser, which would show its default.
        st.session_state[key] = st.session_state[key]
    restored.discard(key)
    # Also on a fragment's rerun, where sync() does not run: the value shown now is kept.
    store[key] = st.session_state[key]
    return key


def put(key: str, value: Any) -> None:
    """Set a kept value from code (a callback, or before its widget is drawn)."""
    st.session_state.setdefault(_STORE, {})[key] = value
    st.session_state[key] = value
    st.session_state.setdefault(_RESTORED, set()).add(key)


def sync() -> None:
    """Remember every kept value; restore those Streamlit dropped since the last run."""
    store: dict[str, Any] = st.session_state.setdefault(_STORE, {})
    restored: set[str] = st.session_state.setdefault(_RESTORED, set())
    for key, value in store.items():
        if key in st.session_state:
            store[key] = st.session_state[key]
        else:
            st.session_state[key] = value
            restored.add(key)
