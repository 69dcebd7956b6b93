"""One module per actuator endpoint id: pure code turning sources and settings into payloads."""
