"""Tests of read_nifti_mrs on small files written here and on the shared files."""

import numpy as np
import pytest

from skmrs.io import MRSData, read_nifti_mrs

nib = pytest.importorskip("nibabel")


def test_single_voxel_metadata(write_nifti_mrs, synthetic_fid):
    fid = synthetic_fid(512)
    affine = np.diag([20.0, 20.0, 20.0, 1.0])
    affine[:3, 3] = [1.0, 2.0, 3.0]
    path = write_nifti_mrs(
        "svs.nii.gz",
        fid.reshape(1, 1, 1, -1),
        meta={"EchoTime": 0.03, "RepetitionTime": 2.0},
        affine=affine,
    )
    mrs = read_nifti_mrs(path)
    assert isinstance(mrs, MRSData)
    assert mrs.fids.shape == (1, 512) and mrs.fids.dtype == np.complex128
    np.testing.assert_allclose(mrs.fids[0], fid)
    assert mrs.n_points == 512
    assert mrs.spectral_width == pytest.approx(2000.0)
    assert mrs.centre_frequency == pytest.approx(123.2)
    assert (mrs.echo_time, mrs.repetition_time, mrs.nucleus) == (0.03, 2.0, "1H")
    assert mrs.voxel_indices.tolist() == [[0, 0, 0]]
    np.testing.assert_allclose(mrs.voxel_positions, [[1.0, 2.0, 3.0]])
    assert mrs.dim_tags == () and mrs.kept_dims == ()
    assert mrs.path == path


def test_mrsi_gives_one_spectrum_per_voxel(write_nifti_mrs, synthetic_fid):
    data = np.zeros((2, 3, 1, 256), dtype=np.complex64)
    for i in range(2):
        for j in range(3):
            data[i, j, 0] = (10 * i + j + 1) * synthetic_fid(256)
    path = write_nifti_mrs("mrsi.nii.gz", data, affine=np.diag([10.0, 5, 1, 1]))
    mrs = read_nifti_mrs(path)
    assert mrs.fids.shape == (6, 256)
    expected = [[i, j, 0] for i in range(2) for j in range(3)]
    assert mrs.voxel_indices.tolist() == expected
    np.testing.assert_allclose(mrs.voxel_positions, np.array(expected) * [10, 5, 1])
    scale = mrs.fids[:, 0] / synthetic_fid(256)[0]
    np.testing.assert_allclose(scale, [1, 2, 3, 11, 12, 13], rtol=1e-5)


def test_coils_are_phase_aligned_and_signal_weighted(write_nifti_mrs, synthetic_fid):
    fid = synthetic_fid(256)
    gains = np.array([1.0, 0.5, 2.0, 0.1]) * np.exp(1j * np.array([0.3, 2.0, -1.0, 3]))
    data = (fid[:, None] * gains[None, :]).reshape(1, 1, 1, 256, 4)
    path = write_nifti_mrs("coils.nii.gz", data.astype(np.complex64))
    mrs = read_nifti_mrs(path)
    assert mrs.reductions == {"DIM_COIL": "coils combined"}
    assert mrs.fids.shape == (1, 256)
    # Weights conj(gain * fid[0]): the sum is fid * sum|g|^2 / sum|g|.
    magnitude = np.abs(gains)
    expected = fid * np.exp(-1j * np.angle(fid[0])) * (magnitude**2).sum()
    np.testing.assert_allclose(mrs.fids[0], expected / magnitude.sum(), rtol=1e-4)

    separate = read_nifti_mrs(path, combine_coils=False)
    assert separate.fids.shape == (4, 256)
    assert separate.kept_dims == ("DIM_COIL",)
    assert separate.dim_indices[:, 0].tolist() == [0, 1, 2, 3]


def test_averages_are_averaged_or_kept(write_nifti_mrs, synthetic_fid):
    fid = synthetic_fid(256)
    data = np.stack([fid, 2 * fid, 3 * fid], axis=-1).reshape(1, 1, 1, 256, 3)
    path = write_nifti_mrs("dyn.nii.gz", data, meta={"dim_5": "DIM_DYN"})
    mrs = read_nifti_mrs(path)
    assert mrs.reductions == {"DIM_DYN": "averaged"}
    np.testing.assert_allclose(mrs.fids[0], 2 * fid, rtol=1e-5)
    assert read_nifti_mrs(path, average=False).fids.shape == (3, 256)


def test_default_tags_coils_then_averages(write_nifti_mrs, synthetic_fid):
    fid = synthetic_fid(128)
    data = np.broadcast_to(fid[:, None, None], (128, 2, 3)).reshape(1, 1, 1, 128, 2, 3)
    mrs = read_nifti_mrs(write_nifti_mrs("default.nii.gz", data))
    assert mrs.dim_tags == ("DIM_COIL", "DIM_DYN")
    assert mrs.fids.shape == (1, 128)
    np.testing.assert_allclose(np.abs(mrs.fids[0]), np.abs(fid), rtol=1e-5)


def test_other_dimensions_are_kept(write_nifti_mrs, synthetic_fid):
    fid = synthetic_fid(128)
    data = np.stack([fid, -fid], axis=-1).reshape(1, 1, 1, 128, 2)
    mrs = read_nifti_mrs(write_nifti_mrs("edit.nii.gz", data, {"dim_5": "DIM_EDIT"}))
    assert mrs.kept_dims == ("DIM_EDIT",) and mrs.fids.shape == (2, 128)
    assert mrs.voxel_indices.tolist() == [[0, 0, 0], [0, 0, 0]]


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.nii.gz"):
        read_nifti_mrs(tmp_path / "nothere.nii.gz")


def test_plain_nifti_is_not_nifti_mrs(write_nifti_mrs, synthetic_fid):
    path = write_nifti_mrs(
        "plain.nii.gz", synthetic_fid(64).reshape(1, 1, 1, -1), extension=False
    )
    with pytest.raises(ValueError, match=r"plain\.nii\.gz.*not NIfTI-MRS"):
        read_nifti_mrs(path)


def test_wrong_dimension_order(write_nifti_mrs, synthetic_fid):
    path = write_nifti_mrs("order.nii.gz", synthetic_fid(64).reshape(64, 1, 1, 1))
    with pytest.raises(ValueError, match=r"order\.nii\.gz.*dimension 4 \(time\)"):
        read_nifti_mrs(path)


def test_too_few_dimensions(write_nifti_mrs, synthetic_fid):
    path = write_nifti_mrs("three.nii.gz", synthetic_fid(64).reshape(1, 1, 64))
    with pytest.raises(ValueError, match=r"three\.nii\.gz.*at least 4 dimensions"):
        read_nifti_mrs(path)


def test_real_data_is_refused(write_nifti_mrs):
    path = write_nifti_mrs("real.nii.gz", np.ones((1, 1, 1, 64), dtype=np.float32))
    with pytest.raises(ValueError, match=r"real\.nii\.gz.*complex"):
        read_nifti_mrs(path)


def test_missing_header_key(tmp_path, synthetic_fid):
    import json

    img = nib.Nifti2Image(synthetic_fid(64).reshape(1, 1, 1, -1), np.eye(4))
    img.header["pixdim"][4] = 0.0005
    meta = json.dumps({"ResonantNucleus": ["1H"]}).encode()
    img.header.extensions.append(nib.nifti1.Nifti1Extension(44, meta))
    nib.save(img, tmp_path / "nofreq.nii.gz")
    with pytest.raises(ValueError, match="nofreq.nii.gz.*SpectrometerFrequency"):
        read_nifti_mrs(tmp_path / "nofreq.nii.gz")


def test_bad_dimension_tag(write_nifti_mrs, synthetic_fid):
    data = np.stack([synthetic_fid(64)] * 2, axis=-1).reshape(1, 1, 1, 64, 2)
    path = write_nifti_mrs("tag.nii.gz", data, meta={"dim_5": "coils"})
    with pytest.raises(ValueError, match=r"tag\.nii\.gz.*dim_5"):
        read_nifti_mrs(path)


def test_not_a_nifti_file(tmp_path):
    path = tmp_path / "notes.nii"
    path.write_text("not an image")
    with pytest.raises(ValueError, match=r"notes\.nii"):
        read_nifti_mrs(path)


SHARED_FILES = {
    "osprey_sub01_press.nii.gz": (2048, 2000.0, 127.750896, 0.035),
    "osprey_sub02_press.nii.gz": (2048, 2000.0, 127.75069, 0.035),
    "osprey_mm_sub01_press.nii.gz": (2048, 2000.0, 127.755264, 0.03),
    "suspect_svs30_rda.nii.gz": (1024, 1200.0, 123.234655, 0.03),
    "suspect_ima.nii.gz": (1024, 1200.0, 123.234655, 0.03),
    "suspect_xa60.nii.gz": (1024, 1200.0, 123.255089, 0.03),
}


@pytest.mark.parametrize("name", sorted(SHARED_FILES))
def test_shared_nifti_mrs_files(shared_data, name):
    n_points, sw, cf, te = SHARED_FILES[name]
    mrs = read_nifti_mrs(shared_data / "nifti_mrs" / name)
    assert mrs.fids.shape == (1, n_points)
    assert mrs.spectral_width == pytest.approx(sw, rel=1e-3)
    assert mrs.centre_frequency == pytest.approx(cf)
    assert mrs.echo_time == pytest.approx(te)
    assert mrs.nucleus == "1H"
    assert np.all(np.isfinite(mrs.fids)) and np.abs(mrs.fids).max() > 0


def test_shared_multicoil_water_reference(shared_data):
    path = (
        shared_data
        / "osprey/exampledata/nifti-mrs/sub-01/ses-01/mrs/sub-01_ses-01_SVS-ref.nii.gz"
    )
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    mrs = read_nifti_mrs(path)
    assert mrs.fids.shape == (1, 2048)
    assert mrs.reductions == {"DIM_COIL": "coils combined"}
    # Every coil is rotated to zero phase at the first point.
    assert abs(np.angle(mrs.fids[0, 0])) < 1e-6
    coils = read_nifti_mrs(path, combine_coils=False)
    assert coils.fids.shape == (32, 2048)
    # The combined first point is the weighted mean of the coils' magnitudes.
    magnitude = np.abs(coils.fids[:, 0])
    expected = (magnitude**2).sum() / magnitude.sum()
    assert abs(mrs.fids[0, 0]) == pytest.approx(expected, rel=1e-6)
