//! PLACEHOLDER: replaced by the smtp channel.

use super::{Checkpoint, Delivered, DeliveryError, Progress, Submission, Transport};

/// PLACEHOLDER.
#[derive(Debug)]
pub struct SmtpTransport;

impl SmtpTransport {
    /// PLACEHOLDER.
    pub fn new(
        _config: super::channel::SmtpConfig,
        _secret: Option<super::Secret>,
    ) -> Result<Self, super::DeliveryError> {
        Ok(SmtpTransport)
    }
}

impl Transport for SmtpTransport {
    fn check(&self) -> Result<String, DeliveryError> {
        Err(DeliveryError::permanent(
            "the smtp channel is not built yet",
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
            "the smtp channel is not built yet",
        ))
    }
}
