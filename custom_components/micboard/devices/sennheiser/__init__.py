"""Sennheiser devices.

``ssc1``: Sennheiser Sound Control v1, JSON datagrams over UDP port 45
(EW-DX in legacy third-party mode, Digital 6000, SpeechLine Digital Wireless,
ew D1, EW-DX CHG 70N charger).
"""
