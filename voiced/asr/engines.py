"""The ASR engines' names, best first (``voiced/asr/select.py`` chooses among them): the one list
that the config check, the CLI's ``--engine`` and ``voiced doctor`` read.  No imports: cheap to read."""

ENGINES = ("vosk", "whisper", "pocketsphinx")
CHOICES = ("auto", *ENGINES)  # what ``asr.engine`` and ``--engine`` accept
