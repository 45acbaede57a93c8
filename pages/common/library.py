"""The reference library in the app: pick, look at, export, import, delete, save.

Names and descriptions come from files anyone could have shared: they are shown as
plain text (:func:`plain`), so a reference can never make the browser fetch anything.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from pages.common.state import keep, put
from pages.common.widgets import notice, plain, safe
from pose_core.plots import skeleton_figure
from pose_core.poses import Pose, PoseSequence
from pose_core.references import (
    Reference,
    builtin_references,
    delete_reference,
    import_reference,
    reference_from_pose,
    save_reference,
    scan,
)
from pose_core.routines import Routine, routine_from_sequence, save_routine, scan_routines

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


def library_panel() -> Reference | Routine:
    """The library's selector and tools; returns the chosen reference pose or routine."""
    refs, problems = scan()
    routines, routine_problems = scan_routines()
    library: dict[str, Reference | Routine] = {**builtin_references(), **refs}
    library |= {f"{n} (routine)": r for n, r in routines.items()}
    for problem in problems + routine_problems:
        st.caption(f"Skipped {plain(problem)}")
    keep("cmp_library", "mountain")
    if st.session_state.cmp_library not in library:
        put("cmp_library", "mountain")
    name = st.selectbox(
        "Reference pose or routine",
        list(library),
        format_func=lambda n: n if _builtin(library[n]) or n.endswith(")") else f"{n} (yours)",
        key="cmp_library",
    )
    chosen = library[name]
    if isinstance(chosen, Routine):
        _routine_card(chosen)
        return chosen
    ref = chosen
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


def _builtin(item: Reference | Routine) -> bool:
    return isinstance(item, Reference) and item.builtin


def _routine_card(routine: Routine) -> None:
    """A routine's thumbnails, length and note."""
    seq = routine.poses
    pictures = [routine.thumbnails[k] for k in sorted(routine.thumbnails)]
    if pictures:
        st.image(pictures, width=80)
    length = float(seq.times_s[-1] - seq.times_s[0])
    st.caption(
        f"Routine from {plain(routine.source)}: {seq.num_frames} "
        f"frames, {length:.1f} s. {plain(routine.description)}"
    )


def _save_routine() -> None:
    seq, person, pictures = st.session_state.cmp_routine_source
    name = st.session_state.cmp_routine_name
    routine = routine_from_sequence(
        name, seq, person, pictures(), st.session_state.cmp_routine_note
    )
    path = save_routine(routine)
    st.session_state[FLASH] = f"Saved the routine {routine.name} to {path}"


def save_routine_form(
    seq: PoseSequence, person: int, pictures: Callable[[], dict[int, np.ndarray]]
) -> None:
    """A form saving the reference clip as a routine (``pictures``: its thumbnails)."""
    st.session_state.cmp_routine_source = (seq, person, pictures)
    with st.expander("Save the reference clip as a routine"):
        with st.form("cmp_routine_form"):
            st.text_input("Name", key="cmp_routine_name", max_chars=60)
            st.text_input("Description", key="cmp_routine_note", max_chars=500)
            st.form_submit_button(
                "Save routine", icon=":material/bookmark_add:", on_click=safe(_save_routine)
            )
