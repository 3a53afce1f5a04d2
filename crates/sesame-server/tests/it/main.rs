//! HTTP tests of every endpoint, driven like a browser and an SDK drive them.

mod authorize;
mod codes;
mod discovery;
mod experience;
mod logout;
mod management;
mod management_api;
mod rbac;
mod scale_out;
mod support;
mod token;
mod userinfo;
