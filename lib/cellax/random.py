"""`cellax.random` (threefry2x32, bit-identical to JAX): in progress."""
