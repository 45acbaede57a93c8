"""The reference library in the app: pick, look at, export, import, delete, save.

Names and descriptions come from files anyone could have shared: they are shown as
plain text (:func:`plain`), so a reference can never make the browser fetch anything.
"""

from __future__ import annotations

import streamlit as st

from pages.common.state import keep, put
from pages.common.widgets import notice, plain, safe
from pose_core.plots import skeleton_figure
from pose_core.poses import Pose
from pose_core.references import (
    Reference,
    builtin_references,
    delete_reference,
    import_reference,
    reference_from_pose,
    save_reference,
    scan,
)

FLASH = "cmp_flash"


def _import() -> None:
    upload = st.session_state.get("cmp_import")
    if upload is None:
        return
    ref = import_reference(upload.getvalue(), upload.name)
    save_reference(ref)
    put("cmp_library", ref.name)
    st.session_state[FLASH] = f"Imported {ref.name}"


def _delete(name: str) -> None:
    delete_reference(name)
    put("cmp_library", "mountain")
    st.session_state[FLASH] = f"Deleted {name}"


def library_panel() -> Reference:
    """The library's selector and tools; returns the chosen reference."""
    refs, problems = scan()
    library = builtin_references() | refs
    for problem in problems:
        st.caption(f"Skipped {plain(problem)}")
    keep("cmp_library", "mountain")
    if st.session_state.cmp_library not in library:
        put("cmp_library", "mountain")
    name = st.selectbox(
        "Reference pose",
        list(library),
        format_func=lambda n: n if library[n].builtin else f"{n} (yours)",
        key="cmp_library",
    )
    ref = library[name]
    st.plotly_chart(skeleton_figure(ref.pose), key="cmp_library_figure")
    st.caption(plain(ref.description or ref.source))
    c1, c2 = st.columns(2)
    c1.download_button(
        "Export JSON",
        ref.to_json(),
        file_name=f"{name}.json",
        mime="application/json",
        on_click="ignore",
        icon=":material/download:",
        key="cmp_export",
    )
    if not ref.builtin:
        c2.button(
            "Delete",
            icon=":material/delete:",
            key="cmp_delete",
            on_click=safe(_delete),
            args=(name,),
        )
    st.file_uploader(
        "Import a reference (JSON)", type=["json"], key="cmp_import", on_change=safe(_import)
    )
    return ref


def _save() -> None:
    which, name = st.session_state.cmp_save_which, st.session_state.cmp_save_name
    pose = st.session_state.cmp_save_choices[which]
    ref = reference_from_pose(name, pose, st.session_state.cmp_save_note)
    path = save_reference(ref)
    st.session_state[FLASH] = f"Saved {ref.name} to {path}"


def save_form(choices: dict[str, Pose]) -> None:
    """A form saving one of the shown poses to the library."""
    st.session_state.cmp_save_choices = choices
    with st.expander("Save a pose to your reference library"):
        if not choices:
            st.caption("Pick a single frame or an image to save it.")
            return
        with st.form("cmp_save_form"):
            st.selectbox("Pose", list(choices), key="cmp_save_which")
            st.text_input("Name", key="cmp_save_name", max_chars=60)
            st.text_input("Description", key="cmp_save_note", max_chars=500)
            st.form_submit_button("Save", icon=":material/bookmark_add:", on_click=safe(_save))


def flash() -> None:
    """Say what the last library action did (one line, plain text)."""
    message = st.session_state.pop(FLASH, None)
    if message:
        notice("success", message, icon=":material/bookmark_added:")
