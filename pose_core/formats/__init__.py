"""File formats beyond PoseLab's own CSVs: OpenSim's TRC and MOT (:mod:`.opensim`)."""

from pose_core.formats.opensim import marker_xyz, mot_text, trc_text, write_mot, write_trc

__all__ = ["marker_xyz", "mot_text", "trc_text", "write_mot", "write_trc"]
