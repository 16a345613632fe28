//! The reliability suite: the real `latchkey` binary, killed, flooded and fed hostile bytes,
//! on loopback only, with time and size bounds. It is part of the black-box binary (one link),
//! so CI runs the short mode on both backends (`LATCHKEY_TEST_BACKEND=sqlite|postgres`);
//! `LATCHKEY_RELIABILITY=long` runs every check longer and larger on demand
//! (`cargo test -p latchkey --test api reliability`).
//!
//! - `crash`: `kill -9` under concurrent writes, then every acknowledged write and every
//!   invariant (Everyone, rule memberships, whole objects) is checked after the restart;
//! - `slow_clients`: thousands of idle and half-sent connections do not stop service;
//! - `hostile`: thousands of mutated filters and hostile bodies get no 5xx and no panic;
//! - `two_nodes` (PostgreSQL): revocation, lockout and rate limits hold across nodes.

mod crash;
mod hostile;
mod node;
mod slow_clients;
mod two_nodes;
