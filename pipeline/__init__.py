"""khabar's entry point, options and graph assembly (`python -m pipeline --help`)."""
