//! Batch jobs (DESIGN §10): a pipeline file ([`spec`]), the run of its steps
//! under one writer lock with one run record ([`run`]), and the crontab line
//! or systemd units that start it on a timer ([`schedule`]).

pub mod run;
pub mod schedule;
pub mod spec;

pub use run::{Observer, PipelineRun, StepOutput, run};
pub use spec::{FailOn, Loaded, Pipeline, Step};
