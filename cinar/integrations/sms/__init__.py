"""SMS gateway: the protocol other apps call, the GSM-7/UCS-2 segment arithmetic, a
sandbox backend that behaves like a Turkish gateway, and the outline of a real HTTP one."""
