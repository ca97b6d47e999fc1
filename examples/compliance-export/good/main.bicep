// Compliance export: every hour a Consumption Logic App writes the compliance snapshot as a blob to
// the `exports` container. The workflow is torn down and rebuilt by its pipeline several times a
// week, so it uses a user-assigned identity: the principal, and its grant, survive the rebuilds.
// The identity comes from a module; its principal id flows out of that module and into the
// role-assignment module.

@description('Location for all resources.')
param location string = resourceGroup().location

@description('Name of the storage account that receives the exports.')
param storageAccountName string

@description('Name of the container the workflow writes to.')
param containerName string = 'exports'

@description('Name of the export workflow.')
param workflowName string = 'compliance-export'

@description('Name of the user-assigned identity the workflow runs as.')
param identityName string = 'id-compliance-export'

// Storage Blob Data Contributor: read, write and delete blobs (and containers' metadata).
var storageBlobDataContributorRoleId = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var identityResourceId = resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', identityName)

module identity 'modules/identity.bicep' = {
  name: 'compliance-export-identity'
  params: {
    name: identityName
    location: location
  }
}

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
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
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
              identity: identityResourceId
              audience: 'https://storage.azure.com/'
            }
          }
        }
      }
    }
  }
  dependsOn: [
    identity
  ]
}

module grant 'modules/container-role.bicep' = {
  name: 'compliance-export-grant'
  params: {
    storageAccountName: storageAccountName
    containerName: containerName
    principalId: identity.outputs.principalId
    roleDefinitionId: storageBlobDataContributorRoleId
  }
  dependsOn: [
    container
  ]
}
