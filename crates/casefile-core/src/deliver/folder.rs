//! PLACEHOLDER: replaced by the folder channel.

use super::{Checkpoint, Delivered, DeliveryError, Progress, Submission, Transport};

/// PLACEHOLDER.
#[derive(Debug)]
pub struct FolderTransport;

impl FolderTransport {
    /// PLACEHOLDER.
    pub fn new(_folder: std::path::PathBuf) -> Self {
        FolderTransport
    }
}

impl Transport for FolderTransport {
    fn check(&self) -> Result<String, DeliveryError> {
        Err(DeliveryError::permanent(
            "the folder channel is not built yet",
        ))
    }
    fn max_attachment(&self) -> Option<u64> {
        None
    }
    fn find_existing(&self, _submission: &Submission) -> Result<Option<Delivered>, DeliveryError> {
        Ok(None)
    }
    fn deliver(
        &self,
        _submission: &Submission,
        _checkpoint: &mut Checkpoint<'_>,
        _progress: &mut dyn FnMut(Progress),
    ) -> Result<Delivered, DeliveryError> {
        Err(DeliveryError::permanent(
            "the folder channel is not built yet",
        ))
    }
}
