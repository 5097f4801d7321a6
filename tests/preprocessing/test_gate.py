"""The spectrum gate on real files (../shared/data) and on altered copies of them."""

import numpy as np
import pytest

from skmrs.io import read_nifti_mrs
from skmrs.preprocessing import gate_spectra
from skmrs.preprocessing._gate import gate_summary

IN_VIVO = (
    "osprey_sub01_press.nii.gz",
    "osprey_sub02_press.nii.gz",
    "osprey_mm_sub01_press.nii.gz",
    "suspect_svs30_rda.nii.gz",
    "suspect_ima.nii.gz",
    "suspect_xa60.nii.gz",
)


def _gate(mrs, fids=None, **changes):
    options = {
        "spectral_width": mrs.spectral_width,
        "centre_frequency": mrs.centre_frequency,
        "nucleus": mrs.nucleus,
    } | changes
    return gate_spectra(mrs.fids if fids is None else fids, **options)


@pytest.fixture(scope="module")
def scans(shared_data):
    return {name: read_nifti_mrs(shared_data / "nifti_mrs" / name) for name in IN_VIVO}


def test_real_metabolite_scans_pass(scans):
    for name, mrs in scans.items():
        decision = _gate(mrs)[0]
        assert decision.passed and decision.action == "scored", (name, decision)


def test_real_water_references_are_skipped(shared_data):
    refs = sorted((shared_data / "osprey/exampledata/nifti-mrs").rglob("*ref.nii.gz"))
    assert len(refs) == 2
    for path in refs:
        decision = _gate(read_nifti_mrs(path))[0]
        assert decision.status == "water reference", (path.name, decision)
        assert decision.action == "skipped" and "times the metabolites" in decision.note


def test_header_water_suppressed_false_is_a_reference(scans):
    mrs = scans["osprey_sub01_press.nii.gz"]
    decision = _gate(mrs, water_suppressed=False)[0]
    assert decision.status == "water reference"
    assert "WaterSuppressed: false" in decision.note
    assert _gate(mrs, water_suppressed=True)[0].passed


def test_conjugated_fids_are_refused_with_the_fix(scans):
    for name, mrs in scans.items():
        decision = _gate(mrs, fids=np.conj(mrs.fids))[0]
        assert decision.status == "conjugated", (name, decision)
        assert "7.39, 6.37 ppm" in decision.note
        assert "SpectrumPreprocessor(conjugate=True)" in decision.note
        # and a conjugated file read with conjugate=True passes
        assert _gate(mrs, fids=np.conj(mrs.fids), conjugate=True)[0].passed


def test_other_nuclei_are_refused(scans):
    decision = _gate(scans["suspect_ima.nii.gz"], nucleus="31P")[0]
    assert (decision.status, decision.action) == ("not 1H", "refused")
    assert "31P" in decision.note


def test_a_spectral_width_short_of_the_grid_is_refused_with_numbers(scans):
    mrs = scans["suspect_svs30_rda.nii.gz"]  # 1200 Hz at 123.23 MHz: just enough
    assert _gate(mrs)[0].passed
    decision = _gate(mrs, spectral_width=1000.0)[0]
    assert decision.status == "spectral width"
    assert "1000 Hz at 123.23 MHz covers 0.64 to 8.76 ppm" in decision.note
    assert "grid needs 0.21 to 4.19 ppm (at least 1107 Hz)" in decision.note


def test_empty_and_flat_voxels_are_flagged(scans):
    mrs = scans["osprey_sub01_press.nii.gz"]
    n = mrs.fids.shape[1]
    tail_std = np.std(mrs.fids[0, -n // 4 :])
    rng = np.random.default_rng(0)
    noise = tail_std * (rng.normal(size=(20, n)) + 1j * rng.normal(size=(20, n)))
    decisions = _gate(mrs, fids=noise)
    assert {d.status for d in decisions} == {"empty"}
    assert "outside the excited volume" in decisions[0].note
    flat = _gate(mrs, fids=np.zeros((1, n), complex))[0]
    assert (flat.status, flat.action) == ("empty", "flagged")
    # the in-vivo scan with that noise added still passes
    assert _gate(mrs, fids=mrs.fids + noise[:1])[0].passed


def test_summary_line_counts_every_decision(scans):
    mrs = scans["osprey_sub01_press.nii.gz"]
    fids = np.concatenate([mrs.fids, np.conj(mrs.fids), 0 * mrs.fids])
    decisions = _gate(mrs, fids=fids)
    assert [d.status for d in decisions] == ["ok", "conjugated", "empty"]
    assert gate_summary(decisions) == (
        "gate: 1 of 3 spectra scored; 1 conjugated (refused), 1 empty (flagged)"
    )


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="must be 2-D"):
        gate_spectra(np.ones(8, complex), spectral_width=2000, centre_frequency=123)
    with pytest.raises(ValueError, match="must be positive"):
        gate_spectra(np.ones((1, 8), complex), spectral_width=0, centre_frequency=123)
