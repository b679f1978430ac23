"""Run the reference firmware's ``code.py`` under CPython against a model of its hardware.

No board is attached here, so the CircuitPython modules ``code.py`` imports are replaced
by small stand-ins: a virtual clock, a register-level model of the LSM6DS3TR-C
accelerometer FIFO (datasheet DocID030071 Rev 3: CTRL1_XL, FIFO_CTRL5, FIFO_STATUS1/2,
FIFO_DATA_OUT burst reads) fed from a simulated wrist recording, and a BLE radio that
delivers scripted control writes and collects notifications. The notifications must
decode, with the host decoder, to exactly the samples the sensor produced.
"""

from __future__ import annotations

import builtins
import types
from pathlib import Path

import numpy as np
import pytest

from sensing.ble import hypnic_profile as hp
from simulation import NightConfig, simulate_night

CODE = Path(__file__).resolve().parents[2] / "firmware_notes" / "xiao-nrf52840-sense" / "code.py"
ODR_HZ = {0b0010: 26, 0b0011: 52, 0b0100: 104, 0b0101: 208, 0b0110: 416}
FIFO_WORDS = 2048  # 4 kbyte


class SessionOver(Exception):
    """Raised by the fake radio when the firmware starts advertising a second time."""


class Clock:
    def __init__(self, stalls: dict[int, float]):
        self.now = 1000.0  # s since boot
        self.sleeps = 0
        self.stalls = stalls  # sleep call number -> extra seconds (a blocked loop)

    def module(self) -> types.ModuleType:
        mod = types.ModuleType("time")
        mod.sleep = self.sleep
        mod.monotonic = lambda: self.now
        mod.monotonic_ns = lambda: int(round(self.now * 1e9))
        return mod

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += seconds + self.stalls.get(self.sleeps, 0.0)


class Lsm6ds3trc:
    """Accelerometer output data rate, FIFO in continuous mode, status and data registers."""

    def __init__(self, clock: Clock, counts: np.ndarray):
        self.clock, self.counts = clock, counts
        self.regs = {0x10: 0, 0x0A: 0, 0x08: 0, 0x12: 0x04}
        self.odr_start = 0.0  # when the ODR was last set
        self.odr_starts: list[float] = []
        self.fifo_first = 0  # index (into counts) of the oldest unread FIFO sample
        self.overrun = False
        self.writes: list[tuple[int, int]] = []

    def produced(self) -> int:
        odr = ODR_HZ.get(self.regs[0x10] >> 4)
        if odr is None:
            return 0
        return min(int((self.clock.now - self.odr_start) * odr), len(self.counts))

    def _level(self) -> int:
        if self.regs[0x0A] & 0b111 != 0b110:
            return 0
        level = self.produced() - self.fifo_first
        if level > FIFO_WORDS // 3:
            self.overrun = True
            self.fifo_first = self.produced() - FIFO_WORDS // 3
            level = FIFO_WORDS // 3
        return level

    def write(self, data: bytes) -> None:
        reg, value = data[0], data[1]
        self.writes.append((reg, value))
        if reg == 0x10 and (value >> 4) != (self.regs[0x10] >> 4):
            self.odr_start = self.clock.now
            if value >> 4:
                self.odr_starts.append(self.clock.now)
        self.regs[reg] = value
        if reg == 0x0A:  # a FIFO mode write restarts the FIFO from the next sample
            self.fifo_first, self.overrun = self.produced(), False

    def read(self, reg: int, n: int) -> bytes:
        if reg == 0x3A:
            words = self._level() * 3
            status2 = (words >> 8) & 0b111 | (0x40 if self.overrun else 0)
            self.overrun = False
            return bytes([words & 0xFF, status2])[:n]
        if reg == 0x3E:
            take = n // 6
            assert take <= self._level(), "firmware read more samples than the FIFO held"
            out = self.counts[self.fifo_first:self.fifo_first + take]
            self.fifo_first += take
            return out.astype("<i2").tobytes()
        raise AssertionError(f"unexpected read of register 0x{reg:02x}")


class Radio:
    def __init__(self, clock: Clock, session_s: float, commands: list[tuple[float, bytes]]):
        self.clock, self.session_s, self.commands = clock, session_s, list(commands)
        self.notifications: list[tuple[float, bytes]] = []
        self.advertised = 0
        self.t0 = None
        self.name = ""
        self.connections = [types.SimpleNamespace(connection_interval=None)]
        self.battery = types.SimpleNamespace(level=None)

    @property
    def connected(self) -> bool:
        return self.clock.now < self.t0 + self.session_s

    def start_advertising(self, _advertisement) -> None:
        self.advertised += 1
        if self.advertised > 1:
            raise SessionOver
        self.t0 = self.clock.now

    def control_readinto(self, buf: bytearray) -> int:
        if self.commands and self.clock.now >= self.t0 + self.commands[0][0]:
            data = self.commands.pop(0)[1]
            buf[:len(data)] = data
            return len(data)
        return 0


def _fake_modules(clock: Clock, imu: Lsm6ds3trc, radio: Radio, battery_volts: float):
    def module(name: str, **attrs) -> types.ModuleType:
        mod = types.ModuleType(name)
        mod.__dict__.update(attrs)
        return mod

    class Pin(types.SimpleNamespace):
        def switch_to_output(self, value=False):
            self.value = value

    class AnalogIn:
        reference_voltage = 3.3

        def __init__(self, _pin):
            self.value = int(round(battery_volts * 510 / 1510 / 3.3 * 65535))

    class PacketBuffer:
        def __init__(self, characteristic, buffer_size, max_packet_size):
            self.props = characteristic.properties
            assert max_packet_size == hp.MAX_PACKET_SIZE and buffer_size >= 1

        @property
        def outgoing_packet_length(self) -> int:
            return 244  # ATT_MTU 247 negotiated

        def write(self, data) -> None:
            assert self.props == 1  # only the NOTIFY characteristic sends
            radio.notifications.append((clock.now, bytes(data)))

        def readinto(self, buf) -> int:
            return radio.control_readinto(buf)

    class ComplexCharacteristic:
        def __init__(self, *, uuid, properties, read_perm, write_perm, max_length):
            self.uuid, self.properties, self.max_length = uuid, properties, max_length

        def __set_name__(self, owner, name):
            self.name = name

        def bind(self, service):
            return types.SimpleNamespace(properties=self.properties, service=service)

        def __get__(self, service, owner=None):
            bound = self.bind(service)
            setattr(service, self.name, bound)
            return bound

    class I2CDevice:
        def __init__(self, i2c, address):
            assert address == 0x6A and i2c.frequency == 400_000

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def write(self, data):
            imu.write(bytes(data))

        def write_then_readinto(self, out, buf, in_end):
            data = imu.read(out[0], in_end)
            buf[:len(data)] = data

    return {
        "time": clock.module(),
        "_bleio": module("_bleio", PacketBuffer=PacketBuffer),
        "analogio": module("analogio", AnalogIn=AnalogIn),
        "board": module("board", IMU_PWR="P1_08", IMU_SCL="P0_27", IMU_SDA="P0_07",
                        READ_BATT_ENABLE="P0_14", VBATT="P0_31"),
        "busio": module("busio", I2C=lambda scl, sda, frequency=100_000:
                        types.SimpleNamespace(frequency=frequency)),
        "digitalio": module("digitalio", DigitalInOut=lambda pin: Pin(pin=pin)),
        "adafruit_ble": module("adafruit_ble", BLERadio=lambda: radio),
        "adafruit_ble.advertising.standard": module(
            "adafruit_ble.advertising.standard", ProvideServicesAdvertisement=lambda s: s),
        "adafruit_ble.characteristics": module(
            "adafruit_ble.characteristics", Attribute=types.SimpleNamespace(OPEN=1),
            Characteristic=types.SimpleNamespace(NOTIFY=1, WRITE=2),
            ComplexCharacteristic=ComplexCharacteristic),
        "adafruit_ble.services": module("adafruit_ble.services", Service=type("Service", (), {})),
        "adafruit_ble.services.standard": module(
            "adafruit_ble.services.standard",
            BatteryService=lambda: radio.battery),
        "adafruit_ble.uuid": module("adafruit_ble.uuid", VendorUUID=str),
        "adafruit_bus_device.i2c_device": module("adafruit_bus_device.i2c_device",
                                                 I2CDevice=I2CDevice),
        "hypnic_packet": _firmware_packet_module(),
    }


def _firmware_packet_module() -> types.ModuleType:
    path = CODE.parent / "hypnic_packet.py"
    mod = types.ModuleType("hypnic_packet")
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), mod.__dict__)
    return mod


def _run_firmware(counts, *, session_s, commands, stalls=None, battery_volts=3.9):
    clock = Clock(stalls or {})
    imu = Lsm6ds3trc(clock, counts)
    radio = Radio(clock, session_s, commands)
    fakes = _fake_modules(clock, imu, radio, battery_volts)
    real_import = builtins.__import__

    def fake_import(name, globals=None, locals=None, fromlist=(), level=0):
        if name in fakes:
            return fakes[name]
        return real_import(name, globals, locals, fromlist, level)

    namespace = {"__name__": "__main__",
                 "__builtins__": dict(vars(builtins), __import__=fake_import)}
    with pytest.raises(SessionOver):
        exec(compile(CODE.read_text(encoding="utf-8"), str(CODE), "exec"), namespace)
    return radio, imu, namespace


@pytest.fixture(scope="module")
def counts() -> np.ndarray:
    """A simulated wrist at 104 Hz, as the LSM6DS3TR-C would report it at +-8 g."""
    night = simulate_night(NightConfig(fs=104.0, hours_in_bed=0.5, locations=("wrist-left",),
                                       n_jerks=2, gaps_per_night=0), seed=5)
    acc = night.recordings["wrist-left"].acc
    return np.clip(np.rint(acc * 32768 / 8), -32768, 32767).astype(np.int16)


START = [(0.05, hp.encode_command("set_rate", fs_hz=100)), (0.1, hp.encode_command("start"))]


def test_firmware_streams_every_sample_the_sensor_produced(counts):
    radio, imu, _ = _run_firmware(counts, session_s=60.0, commands=START)
    packets = [hp.decode_packet(data) for _, data in radio.notifications]
    assert len(packets) > 100
    assert {(p.fs_hz, p.range_g, p.version) for p in packets} == {(104, 8, 1)}  # 100 -> 104 Hz
    assert {p.n_samples for p in packets} == {38}  # MTU 247
    assert packets[0].counter == 0
    assert all(hp.lost_samples(a, b) == 0 for a, b in zip(packets, packets[1:], strict=False))
    # register writes follow the datasheet: BDU+IF_INC, 104 Hz +-8 g, accel-only FIFO, continuous
    assert (0x12, 0x44) in imu.writes and (0x10, 0x4C) in imu.writes
    assert (0x08, 0b001) in imu.writes and (0x0A, 0b0100_110) in imu.writes
    # the first FIFO sample after the mode switch is discarded (datasheet 5.5); the rest
    # arrive bit-exactly, in order
    streamed = np.concatenate([p.samples_g for p in packets])
    truth = counts[1:1 + len(streamed)] * np.float32(8 / 32768)
    np.testing.assert_array_equal(streamed, truth)
    # each packet is dated to its first sample (counter c is sensor sample c + 1, which
    # exists from odr_start + (c + 2) / 104 s) within one sample period
    (odr_start,) = imu.odr_starts
    for p in packets:
        true_us = (odr_start + (p.counter + 2) / 104) * 1e6
        assert abs(p.timestamp_us - true_us) <= 1e6 / 104 + 2


def test_firmware_reports_battery_and_requests_a_connection_interval(counts):
    radio, _, namespace = _run_firmware(counts, session_s=2.0, commands=START,
                                        battery_volts=3.9)
    assert radio.connections[0].connection_interval == namespace["CONNECTION_INTERVAL_MS"]
    assert radio.name == "hypnic-xiao"
    assert radio.battery.level == 67  # 3.9 V on the 3.3-4.2 V scale


def test_a_stalled_loop_overruns_the_fifo_and_the_host_sees_the_gap(counts):
    # the 50th loop pass blocks for 10 s: longer than the 6.5 s the FIFO holds at 104 Hz
    radio, _, _ = _run_firmware(counts, session_s=40.0, commands=START, stalls={50: 10.0})
    packets = [hp.decode_packet(data) for _, data in radio.notifications]
    gaps = [(a, hp.lost_samples(a, b)) for a, b in zip(packets, packets[1:], strict=False)
            if hp.lost_samples(a, b) != 0]
    assert len(gaps) == 1
    before, lost = gaps[0]
    assert 10 * 104 - 40 <= lost <= 10 * 104 + 40  # about the stall, in samples
    # after the gap the counter still names the sample's index since START: counter c is
    # sensor sample c + 1, as before the gap
    lsb = np.float32(8 / 32768)
    for p in packets:
        np.testing.assert_array_equal(p.samples_g,
                                      counts[p.counter + 1:p.counter + 1 + p.n_samples] * lsb)


def test_stop_command_stops_the_stream(counts):
    commands = [*START, (5.0, hp.encode_command("stop"))]
    radio, imu, _ = _run_firmware(counts, session_s=10.0, commands=commands)
    assert radio.notifications
    assert max(t for t, _ in radio.notifications) <= radio.t0 + 5.0 + 0.1 + 1e-6
    assert imu.writes[-1] == (0x10, 0)  # accelerometer powered down
