"""Mismatch flags: one vocabulary (codes.toml) and the rules that raise them."""

from docintel.flags.codes import FlagCode, FlagSpec, Severity, flag_rules, flag_spec
from docintel.flags.evaluate import FlagRecord, evaluate_flags, make_flag

__all__ = ["FlagCode", "FlagRecord", "FlagSpec", "Severity", "evaluate_flags", "flag_rules", "flag_spec", "make_flag"]
