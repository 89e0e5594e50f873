//! The product's flows against a real `lens-server` on loopback (the seeds: PINs, links,
//! e-mail, the console's API, the signalling between customer and technician) and the
//! operator's command line.

mod another_pin;
mod app_links;
mod camera_controls;
mod cli;
mod cli_api_keys;
mod cli_groups;
mod collaboration;
mod customer_join;
mod groups_and_statuses;
mod handoff_api;
mod ice_servers;
mod pin_security;
mod signalling;
mod technician_api;
mod transfer;
