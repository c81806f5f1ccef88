//! Misbehaving Lambda functions that prove toolbox-local enforces Lambda's
//! rules. Each binary in `src/bin/` is one fixture; none is deployable.
