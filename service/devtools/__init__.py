"""Tools for developers and demonstrations: the benchmark, synthetic county-years, the demo
county. A production install runs them too (`evalctl bench`, `evalctl demo`)."""
