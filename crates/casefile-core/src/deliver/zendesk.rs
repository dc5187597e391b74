//! PLACEHOLDER: replaced by the zendesk channel.

use super::{Checkpoint, Delivered, DeliveryError, Progress, Submission, Transport};

/// PLACEHOLDER.
#[derive(Debug)]
pub struct ZendeskTransport;

impl ZendeskTransport {
    /// PLACEHOLDER.
    pub fn new(
        _config: super::channel::ZendeskConfig,
        _secret: Option<super::Secret>,
    ) -> Result<Self, super::DeliveryError> {
        Ok(ZendeskTransport)
    }
}

impl Transport for ZendeskTransport {
    fn check(&self) -> Result<String, DeliveryError> {
        Err(DeliveryError::permanent(
            "the zendesk channel is not built yet",
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
            "the zendesk channel is not built yet",
        ))
    }
}
