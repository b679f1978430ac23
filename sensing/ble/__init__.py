"""Bluetooth LE: device profiles, decoders and the streaming client.

* :mod:`sensing.ble.pmd` — Polar Measurement Data commands and ACC frame decoder.
* :mod:`sensing.ble.hypnic_profile` — the open hypnic GATT profile (packets, commands).
* :mod:`sensing.ble.profiles` — one :class:`~sensing.ble.profiles.Profile` per supported
  sensor (Polar, hypnic, WitMotion) and the registry ``PROFILES``.
* :mod:`sensing.ble.clock` — device time to UTC: loss, reboot and drift handling.
* :mod:`sensing.ble.reader` — :class:`~sensing.ble.reader.Recorder`, the all-night
  bleak reader with reconnect, watchdog and live detection, writing to
  :class:`sensing.store.RecordingStore`.

Emulated sensors for tests and ``hypnic record --emulate`` live in :mod:`sensing.emulator`.
"""
