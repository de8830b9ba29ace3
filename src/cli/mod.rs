//! The command line: one module per subcommand, the options they share, and the rendering of
//! the library's notes and progress. The only place emovox prints.

mod augment;
mod bench;
mod choices;
mod command;
mod corpus;
mod eval;
mod features;
mod info;
mod observer;
mod options;
mod predict;
mod predict_output;
mod reproduce;
mod serve;
mod train;
mod train_augment;
mod weights;

pub use command::run;
