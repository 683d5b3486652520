"""khabar's steps: pure functions on documents, plus the thin Beam wrappers around them."""
from transforms.compiled import install_guard

# Before any step module is imported: a compiled copy runs only while it matches its source.
install_guard()
