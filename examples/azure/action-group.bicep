// An Azure Monitor action group whose webhook posts the common alert schema
// to alertbridge. Attach it to your alert rules. The common alert schema is
// required (useCommonAlertSchema: true); alertbridge rejects the older
// per-signal payloads. See docs/sources.md#azure-monitor.
resource alertbridge 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'alertbridge'
  location: 'Global'
  properties: {
    groupShortName: 'alertbridge'
    enabled: true
    webhookReceivers: [
      {
        name: 'alertbridge'
        serviceUri: 'https://alertbridge.example.com/ingest/azure'
        useCommonAlertSchema: true
      }
    ]
  }
}
