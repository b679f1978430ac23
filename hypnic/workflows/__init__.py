"""The application layer: what the commands do, callable from Python.

:mod:`hypnic.workflows.night` processes one night (read its files, detect, summarise,
write or store it); :mod:`hypnic.workflows.cohort` runs a cohort on Dask;
:mod:`hypnic.workflows.record` records BLE sensors (real or emulated). The CLI
commands in :mod:`hypnic.commands` parse options, call these and print.
"""
