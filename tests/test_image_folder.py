"""An image folder of one's own as a registered dataset: its split, its record, and bad folders."""

import numpy as np
import pytest
from PIL import Image

import jax_zoo as zoo
from benchmarks.rendered_digits import write_folder
from jax_zoo.datasets.image_folder import register_image_folder, scan_image_folder
from jax_zoo.datasets.own_data import OwnData, SplitRule

# Datasets of one's own are registered by name in the process: gone after each test.
pytestmark = pytest.mark.usefixtures("own_registrations")


@pytest.fixture
def digits_folder(tmp_path):
    """Ten renders of each digit, on canvases of random sizes, in ``digits/<digit>/<n>.png``."""
    write_folder(tmp_path / "digits", per_class=10, seed=3)
    return tmp_path / "digits"


def test_a_folder_becomes_a_dataset_converted_as_the_digits(digits_folder):
    info = zoo.image_folder(digits_folder, like="digits", name="rendered")
    assert info.name == "rendered" and info.class_names == tuple("0123456789") and info.num_classes == 10
    assert info.split_sizes == {"train": 80, "validation": 10, "test": 10}, "one of each digit held out twice"
    assert info.image_recipe == "optdigits"
    test = zoo.load_dataset("rendered", "test")
    assert test["inputs"].shape == (10, 8, 8, 1) and sorted(test["targets"]) == list(range(10))
    assert np.array_equal(test["inputs"] * 16, np.round(test["inputs"] * 16))


def test_the_split_is_stratified_seeded_and_recorded(digits_folder):
    first = scan_image_folder(digits_folder, SplitRule(validation=0.2, test=0.3, seed=5), like="digits")
    again = scan_image_folder(digits_folder, SplitRule(validation=0.2, test=0.3, seed=5), like="digits")
    other = scan_image_folder(digits_folder, SplitRule(validation=0.2, test=0.3, seed=6), like="digits")
    assert first == again and first.members != other.members
    assert first.split_sizes == {"train": 50, "validation": 20, "test": 30}
    for split, members in first.members.items():
        assert np.bincount([label for _, label, _ in members]).tolist() == [len(members) // 10] * 10
    assert OwnData.from_json(first.to_json()) == first


def test_train_validation_and_test_folders_are_kept_as_given(tmp_path):
    for split, count in (("train", 3), ("test", 1)):
        write_folder(tmp_path / "given" / split, per_class=count, seed=len(split))
    record = scan_image_folder(tmp_path / "given", SplitRule(), like="digits")
    assert record.split.given and record.split_sizes == {"train": 30, "test": 10}
    assert record.members["test"][0][0] == "test/0/0.png"


def test_without_a_dataset_to_convert_as_pictures_are_read_as_they_are(tmp_path):
    for name, shade in (("dark", 30), ("light", 220)):
        (tmp_path / "raw" / name).mkdir(parents=True)
        for index in range(5):
            Image.new("RGB", (6, 4), (shade, index, 0)).save(tmp_path / "raw" / name / f"{index}.png")
    info = zoo.image_folder(tmp_path / "raw", validation=0.0, test=0.2)
    assert info.split_sizes == {"train": 8, "test": 2} and info.example_spec["inputs"].shape == (4, 6, 3)


def test_a_record_reads_its_files_again_and_names_a_changed_one(digits_folder):
    record = scan_image_folder(digits_folder, SplitRule(), like="digits")
    assert register_image_folder(record).split_sizes == {"train": 80, "validation": 10, "test": 10}
    changed = digits_folder / record.members["test"][0][0]
    Image.new("L", (30, 30), 255).save(changed)
    with pytest.raises(zoo.DataError, match=rf"{record.members['test'][0][0]} \(changed since it was recorded\)"):
        register_image_folder(record)


def make_folder(root, layout: dict[str, int]):
    """``root/<class>/<n>.png`` with ``layout[class]`` small drawings each."""
    for name, count in layout.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for index in range(count):
            image = Image.new("L", (20 + index, 30), 255)
            image.paste(0, (5, 5, 12, 25))
            image.save(root / name / f"{index}.png")
    return root


@pytest.mark.parametrize("layout, extra, message", [
    ({}, None, r"no class folders; expected one folder per class"),
    ({"cat": 5}, None, r"one class folder \(cat\); expected at least two classes"),
    ({"cat": 5, "dog": 1}, None, r"class folder dog/ \(1 image\) holds a single file; expected at least 2 images"),
    ({"cat": 5, "dog": 0}, None, r"dog: an empty class folder"),
    ({"cat": 5, "dog": 5}, ("notes.txt", b"hello"), r"notes.txt lie beside the class folders"),
    ({"cat": 5, "dog": 5}, ("dog/notes.txt", b"hello"),
     r"1 of 11 files cannot be read as images: dog/notes.txt \(not an image Pillow can read .*\)\. 10 are readable"),
    ({"cat": 5, "dog": 5}, ("dog/blank.png", None), r"dog/blank.png \(the picture is one shade.*\)\. 10 are readable"),
])
def test_bad_folders_are_refused_naming_the_problem(tmp_path, layout, extra, message):
    root = make_folder(tmp_path / "pets", layout)
    root.mkdir(exist_ok=True)
    if extra is not None:
        name, content = extra
        if content is None:
            Image.new("L", (10, 10), 128).save(root / name)
        else:
            (root / name).write_bytes(content)
    with pytest.raises(zoo.DataError, match=message):
        register_image_folder(scan_image_folder(root, SplitRule(), like="digits"))


def test_a_class_in_test_that_train_lacks_is_refused(tmp_path):
    make_folder(tmp_path / "pets" / "train", {"cat": 3, "dog": 3})
    make_folder(tmp_path / "pets" / "test", {"cat": 1, "owl": 1})
    with pytest.raises(zoo.DataError, match=r"class folder\(s\) owl are not in .*train: a model cannot learn a class"):
        scan_image_folder(tmp_path / "pets", SplitRule(), like="digits")


def test_pictures_of_several_sizes_need_a_dataset_to_convert_as(tmp_path):
    root = make_folder(tmp_path / "pets", {"cat": 3, "dog": 3})
    with pytest.raises(zoo.DataError, match=r"pictures of several sizes \(.*\) cannot be stacked as they are"):
        zoo.image_folder(root, test=0.3)
    assert zoo.image_folder(root, like="fashion_mnist_local", test=0.3).example_spec["inputs"].shape == (28, 28, 1)


def test_split_fractions_are_checked():
    with pytest.raises(zoo.DataError, match="expected a validation fraction in"):
        SplitRule(validation=0.5, test=0.5)
