"""khabar's steps: pure functions on documents, plus the thin Beam wrappers around them."""
