//! The server's classification queue: one worker thread owns the model on its device and
//! classifies clips from every request in shared batches. A request's pipeline sees a
//! [`QueueClient`], a [`Classifier`] that sends its clips to the queue and waits for their
//! probabilities, so many clients' windows fill one device batch. A client may carry its
//! request's [`Cancel`] token: its clips are dropped unclassified once the request is over.

use crate::audio::ClipConfig;
use crate::corpus::Classes;
use crate::error::{Error, Result};
use crate::features::FeatureConfig;
use crate::gpu::{Compute, DeviceChoice, DeviceInfo};
use crate::predict::{Cancel, Classifier, Predictor, Probabilities};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

/// What the server tells clients about its model (`GET /v1/model`).
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    pub classes: Classes,
    /// The model directory it was loaded from.
    pub source: PathBuf,
    /// Networks whose probabilities are averaged.
    pub members: usize,
    /// Front end: mel spectrogram settings.
    pub features: FeatureConfig,
    /// Model input: sample rate, clip length, trimming, level normalisation.
    pub clip: ClipConfig,
    pub device: DeviceInfo,
    /// Clips classified together at most.
    pub batch: usize,
}

/// Clips of one request and where their probabilities go.
struct Job {
    clips: Vec<Vec<f32>>,
    reply: Sender<Result<Vec<Probabilities>>>,
    cancel: Option<Cancel>,
}

/// A request's handle on the queue.
#[derive(Clone)]
pub struct QueueClient {
    info: Arc<ModelInfo>,
    jobs: Sender<Job>,
    cancel: Option<Cancel>,
}

/// How often a waiting client looks at its cancel token.
const CANCEL_POLL: Duration = Duration::from_millis(50);

impl QueueClient {
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// A handle whose clips are dropped, and whose waits end, once `cancel` is cancelled.
    pub fn with_cancel(&self, cancel: Cancel) -> QueueClient {
        QueueClient {
            cancel: Some(cancel),
            ..self.clone()
        }
    }
}

impl Classifier for QueueClient {
    fn classes(&self) -> &Classes {
        &self.info.classes
    }

    fn clip(&self) -> &ClipConfig {
        &self.info.clip
    }

    fn classify_refs(&self, clips: &[&[f32]], _batch: usize) -> Result<Vec<Probabilities>> {
        let (reply, answer) = channel();
        let stopped = || Error::Serve("the classification queue stopped".into());
        self.jobs
            .send(Job {
                clips: clips.iter().map(|c| c.to_vec()).collect(),
                reply,
                cancel: self.cancel.clone(),
            })
            .map_err(|_| stopped())?;
        loop {
            match answer.recv_timeout(CANCEL_POLL) {
                Ok(result) => return result,
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(c) = &self.cancel {
                        c.check()?;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return Err(stopped()),
            }
        }
    }
}

/// Starts the worker: loads the model on the chosen device in its own thread and returns a
/// client once it is ready (or the loading error).
pub fn start(model: &Path, device: DeviceChoice, ensemble: bool, batch: usize) -> Result<QueueClient> {
    let (jobs, queue) = channel::<Job>();
    let (ready, loaded) = channel::<Result<ModelInfo>>();
    let model = model.to_path_buf();
    let batch = batch.max(1);
    std::thread::Builder::new()
        .name("emovox-classify".into())
        .spawn(move || {
            let predictor = Compute::select(device).and_then(|compute| Predictor::load_with(&model, compute, ensemble));
            let predictor = match predictor {
                Ok(p) => p,
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return;
                }
            };
            let info = ModelInfo {
                classes: predictor.classes().clone(),
                source: predictor.source.clone(),
                members: predictor.members(),
                features: predictor.features.clone(),
                clip: predictor.clip.clone(),
                device: predictor.compute.info.clone(),
                batch,
            };
            if ready.send(Ok(info)).is_ok() {
                serve_jobs(&predictor, &queue, batch);
            }
        })
        .map_err(|e| Error::Serve(format!("cannot start the classification thread: {e}")))?;
    let info = loaded
        .recv()
        .map_err(|_| Error::Serve("the classification thread ended while loading the model".into()))??;
    Ok(QueueClient {
        info: Arc::new(info),
        jobs,
        cancel: None,
    })
}

/// A job still wanted, or `None` after answering a cancelled one.
fn wanted(job: Job) -> Option<Job> {
    match job.cancel.as_ref().and_then(Cancel::reason) {
        Some(why) => {
            let _ = job.reply.send(Err(Error::Cancelled(why.into())));
            None
        }
        None => Some(job),
    }
}

/// Takes every job waiting (up to `batch` clips, at least one job), drops those whose request
/// is over, classifies the rest's clips together and answers each; ends when every client is
/// gone.
fn serve_jobs(predictor: &Predictor, queue: &Receiver<Job>, batch: usize) {
    while let Ok(first) = queue.recv() {
        let mut jobs: Vec<Job> = wanted(first).into_iter().collect();
        let mut waiting: usize = jobs.iter().map(|j| j.clips.len()).sum();
        while waiting < batch {
            match queue.try_recv() {
                Ok(job) => {
                    if let Some(job) = wanted(job) {
                        waiting += job.clips.len();
                        jobs.push(job);
                    }
                }
                Err(_) => break,
            }
        }
        if jobs.is_empty() {
            continue;
        }
        let clips: Vec<&[f32]> = jobs.iter().flat_map(|j| j.clips.iter().map(Vec::as_slice)).collect();
        match predictor.classify_refs(&clips, batch) {
            Ok(probabilities) => {
                let mut rest = probabilities.into_iter();
                for job in jobs {
                    let mine: Vec<Probabilities> = rest.by_ref().take(job.clips.len()).collect();
                    let _ = job.reply.send(Ok(mine));
                }
            }
            Err(e) => {
                let message = e.to_string();
                for job in jobs {
                    let _ = job.reply.send(Err(Error::Serve(message.clone())));
                }
            }
        }
    }
}
