# Argument checks for the bindings' public entry points: a vona.errors.ConfigError that
# names the argument, where a typed Cython signature would raise a bare OverflowError or
# TypeError (OpusDecoder(2**40, 1), Reframer("320")). Ints, numpy integers and anything
# with __index__ are accepted; bool is not.


cdef inline object int_arg(object value, str name, object low, object high):
    """``value`` as a Python int in ``low..high`` (``high`` None: no upper bound)."""
    if type(value) is not int:
        if isinstance(value, bool) or not hasattr(value, "__index__"):
            from vona.errors import ConfigError
            raise ConfigError(f"{name} must be an int, got {type(value).__name__}")
        value = value.__index__()
    if value < low:
        from vona.errors import ConfigError
        raise ConfigError(f"{name} is too small: {value} (at least {low})")
    if high is not None and value > high:
        from vona.errors import ConfigError
        raise ConfigError(f"{name} is too large: {value} (at most {high})")
    return value


cdef inline double float_arg(object value, str name) except? -1.0:
    """``value`` as a finite float (ints and numpy floats accepted; bool is not)."""
    import math
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        from vona.errors import ConfigError
        raise ConfigError(f"{name} must be a number, got {type(value).__name__}")
    try:
        result = float(value)
    except (TypeError, ValueError, OverflowError):
        from vona.errors import ConfigError
        raise ConfigError(f"{name} must be a finite number, got {value!r}") from None
    if not math.isfinite(result):
        from vona.errors import ConfigError
        raise ConfigError(f"{name} must be a finite number, got {value!r}")
    return result
