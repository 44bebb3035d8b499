"""rcsdk's generator: spec/*.yaml -> model -> templates/ -> generated/.

The stages, one module each, in the order the data flows:

    load.py    read the YAML, keep every value's line, check the spec's format
    build.py   build the model from it (references resolved, cycles and contracts checked)
    model/     the typed, immutable model the templates read
    names.py   the naming rules of each target (Python, shell, files)
    render.py  render templates/ (which mirrors generated/) with strict Jinja, then format
    write.py   write generated/ with its manifest, or compare it (`--check`)

    targets/   one module per output family (python, js, php, curl, docs, openapi, cases,
               parity): what each renders, names, checks and formats
"""
