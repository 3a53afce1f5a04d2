pub use sesame_testkit::*;
