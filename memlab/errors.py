"""The errors memlab raises on bad input.

Every message says what was wrong and what to do about it. They all derive from
``MemlabError`` so an app can catch one type and show the message to a person.
"""


class MemlabError(Exception):
    """Base class: the message is meant to be read by a person."""


class UnknownNameError(MemlabError, KeyError):
    """A model or dataset name that memlab does not know."""

    def __str__(self):  # KeyError would quote the message; show it plainly
        return str(self.args[0]) if self.args else ""


class DataUnavailableError(MemlabError, FileNotFoundError):
    """A dataset is not on disk and cannot be downloaded."""


class DataCorruptError(MemlabError, ValueError):
    """A dataset file exists but cannot be read as the dataset."""


class CheckpointError(MemlabError, ValueError):
    """A checkpoint is missing, truncated, corrupt or belongs to another model."""


def unknown_name(kind: str, name: str, valid) -> UnknownNameError:
    """Build the error for an unknown ``kind`` called ``name``, listing the valid names."""
    names = ", ".join(sorted(valid))
    return UnknownNameError(f"Unknown {kind} {name!r}. Valid {kind} names: {names}.")
