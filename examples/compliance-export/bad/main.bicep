// Compliance export, first version: the workflow runs as its system-assigned identity, and the
// blob grant was added after the first deployment by copying the identity's object id from the
// portal. The pipeline rebuilds the workflow several times a week; each rebuild creates a new
// system identity with a new object id, so the grant points at a principal that no longer exists,
// the upload fails with 403, and the stale assignment stays behind.

@description('Location for all resources.')
param location string = resourceGroup().location

@description('Name of the storage account that receives the exports.')
param storageAccountName string

@description('Name of the container the workflow writes to.')
param containerName string = 'exports'

@description('Name of the export workflow.')
param workflowName string = 'compliance-export'

// Storage Blob Data Contributor: read, write and delete blobs (and containers' metadata).
var storageBlobDataContributorRoleId = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource account 'Microsoft.Storage/storageAccounts@2023-01-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-01-01' = {
  parent: account
  name: 'default'
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-01-01' = {
  parent: blobService
  name: containerName
  properties: {
    publicAccess: 'None'
  }
}

resource la 'Microsoft.Logic/workflows@2019-05-01' = {
  name: workflowName
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    state: 'Enabled'
    definition: {
      '$schema': 'https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#'
      contentVersion: '1.0.0.0'
      triggers: {
        Hourly: {
          type: 'Recurrence'
          recurrence: {
            frequency: 'Hour'
            interval: 1
          }
        }
      }
      actions: {
        Build_snapshot: {
          type: 'Compose'
          inputs: {
            generatedAt: '@{utcNow()}'
            source: workflowName
          }
        }
        Upload_export: {
          type: 'Http'
          runAfter: {
            Build_snapshot: [
              'Succeeded'
            ]
          }
          inputs: {
            method: 'PUT'
            uri: 'https://${storageAccountName}.blob.core.windows.net/${containerName}/export-@{utcNow(\'yyyyMMddHHmmss\')}.json'
            headers: {
              'x-ms-blob-type': 'BlockBlob'
              'x-ms-version': '2023-11-03'
              'Content-Type': 'application/json'
            }
            body: '@outputs(\'Build_snapshot\')'
            authentication: {
              type: 'ManagedServiceIdentity'
              audience: 'https://storage.azure.com/'
            }
          }
        }
      }
    }
  }
}

resource storageBlobDataContributor 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: storageBlobDataContributorRoleId
}

// Object id of the workflow's identity, copied from the portal after the first deployment.
resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(container.id, '3f6c2b8e-9a41-4d7e-b5c0-8e2f1a7d4c93', storageBlobDataContributor.id)
  scope: container
  properties: {
    roleDefinitionId: storageBlobDataContributor.id
    principalId: '3f6c2b8e-9a41-4d7e-b5c0-8e2f1a7d4c93'
  }
}
